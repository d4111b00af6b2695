// The serverless service's Node worker: logs what it got.
exports.handler = async (event) => {
  const message = event.Records[0].Sns.Message;
  console.log(`sls worker (${process.env.STAGE}): ${process.env.GREETING}: ${message}`);
  return { message };
};
