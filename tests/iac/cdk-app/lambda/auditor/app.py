# The CDK app's Python auditor: logs every message on the topic.
def handler(event, context):
    message = event["Records"][0]["Sns"]["Message"]
    print("cdk auditor: " + message)
    return {"message": message}
