// An ES module: `import` ignores NODE_PATH, so this finds the image's SDK through /node_modules.
import { SNSClient } from "@aws-sdk/client-sns";

export const handler = async (event) => {
  for (const record of event.Records ?? []) console.log("worker got", record.Sns.Message);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the background work
  return { records: (event.Records ?? []).length, sdk: typeof SNSClient };
};
