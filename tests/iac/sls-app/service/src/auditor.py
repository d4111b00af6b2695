# The serverless service's Python auditor: logs every message on the topic.
def handler(event, context):
    message = event["Records"][0]["Sns"]["Message"]
    print("sls auditor: " + message)
    return {"message": message}
