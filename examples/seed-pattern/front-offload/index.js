// (c) The pattern offstage exists for: hand the slow work to SNS and return. A worker
// subscribed to the topic does it asynchronously. The SDK finds offstage through
// AWS_ENDPOINT_URL, which offstage sets in every execution environment.
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');

const sns = new SNSClient({});

exports.handler = async (event) => {
  const started = performance.now();
  const { MessageId } = await sns.send(new PublishCommand({
    TopicArn: process.env.JOBS_TOPIC_ARN,
    Message: JSON.stringify(event),
    MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } },
  }));
  return { variant: 'offload', messageId: MessageId, handlerMs: performance.now() - started };
};
