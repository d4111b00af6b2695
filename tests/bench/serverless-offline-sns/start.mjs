// serverless-offline-sns as a standalone SNS server, for the side-by-side benchmark
// (tests/bench/bench.py). The plugin is normally loaded by the serverless framework; here it
// gets the few fields of the `serverless` object its init() reads, and its own Express app
// serves the SNS API (POST /, awsQuery form bodies). Lambda subscriptions need serverless
// function definitions, so the comparison uses an HTTP subscriber.
//   node start.mjs PORT       prints "ready <topic arn>" once listening
import ServerlessOfflineSns from 'serverless-offline-sns';

const port = Number(process.argv[2]);
const host = '127.0.0.1';
const region = 'us-east-1';
const accountId = '123456789012';

const serverless = {
  service: {
    service: 'offstage-bench',
    provider: { region, stage: 'dev', environment: {} },
    custom: { 'serverless-offline-sns': { port, host, accountId, debug: false, autoSubscribe: false } },
    functions: {},
    resources: {},
  },
  config: { servicePath: process.cwd() },
  cli: { log: (message) => console.error(message) },
};

const plugin = new ServerlessOfflineSns(serverless, {});
plugin.init();
await plugin.listen();
await plugin.serve();
const created = await fetch(`http://${host}:${port}/`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ Action: 'CreateTopic', Name: 'bench' }),
});
const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(await created.text())?.[1];
console.log(`ready ${arn}`);
process.on('SIGTERM', async () => {
  await plugin.stop();
  process.exit(0);
});
