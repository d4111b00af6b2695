"""Publishes to the jobs topic with the boto3 the image has (Debian's python3-boto3)."""
import json
import os
import sys

import boto3

sns = boto3.client("sns")  # AWS_ENDPOINT_URL (set by offstage) points it at the daemon


def handler(event, context):
    account = context.invoked_function_arn.split(":")[4]
    topic_arn = "arn:aws:sns:%s:%s:jobs" % (os.environ["AWS_REGION"], account)
    out = sns.publish(TopicArn=topic_arn, Message=json.dumps({"from": "python", "event": event}))
    return {"messageId": out["MessageId"], "python": sys.version.split()[0],
            "boto3": boto3.__version__, "function": context.function_name}
