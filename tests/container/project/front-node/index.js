// CommonJS, a plain require: the image's SDK is found through NODE_PATH, as on Lambda.
const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");

const sns = new SNSClient({}); // AWS_ENDPOINT_URL (set by offstage) points it at the daemon

exports.handler = async (event, context) => {
  const [, , , region, account] = context.invokedFunctionArn.split(":");
  const out = await sns.send(new PublishCommand({
    TopicArn: `arn:aws:sns:${region}:${account}:jobs`,
    Message: JSON.stringify({ from: "node", event }),
  }));
  return {
    messageId: out.MessageId,
    node: process.version,
    nodePath: process.env.NODE_PATH,
    sdk: require.resolve("@aws-sdk/client-sns"),
  };
};
