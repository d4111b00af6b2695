// A CDK app (plain JavaScript, so `cdk synth` needs no compiler): a topic, a Node worker
// subscribed with a filter policy, a Python auditor subscribed to everything, and a queue
// subscribed too (raw delivery) that a third function consumes (an SQS event source).
// tests/integration/test_iac_cdk.py synthesizes it with the real cdk CLI and deploys cdk.out.
const cdk = require('aws-cdk-lib');
const sns = require('aws-cdk-lib/aws-sns');
const subs = require('aws-cdk-lib/aws-sns-subscriptions');
const lambda = require('aws-cdk-lib/aws-lambda');
const sqs = require('aws-cdk-lib/aws-sqs');
const sources = require('aws-cdk-lib/aws-lambda-event-sources');
const path = require('path');

const app = new cdk.App();
const stack = new cdk.Stack(app, 'CdkOrders');

const topic = new sns.Topic(stack, 'Orders', { topicName: 'cdk-orders' });
const worker = new lambda.Function(stack, 'Worker', {
  functionName: 'cdk-worker',
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'lambda', 'worker')),
  environment: { GREETING: 'hello from cdk' },
});
const auditor = new lambda.Function(stack, 'Auditor', {
  functionName: 'cdk-auditor',
  runtime: lambda.Runtime.PYTHON_3_12,
  handler: 'app.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'lambda', 'auditor')),
});
topic.addSubscription(new subs.LambdaSubscription(worker, {
  filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: (process.env.WORKER_KINDS || 'order').split(',') }) },
}));
topic.addSubscription(new subs.LambdaSubscription(auditor));
const jobs = new sqs.Queue(stack, 'Jobs', { visibilityTimeout: cdk.Duration.seconds(30) });
topic.addSubscription(new subs.SqsSubscription(jobs, { rawMessageDelivery: true }));
const queueWorker = new lambda.Function(stack, 'QueueWorker', {
  functionName: 'cdk-queue-worker',
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'lambda', 'queue-worker')),
});
queueWorker.addEventSource(new sources.SqsEventSource(jobs, { batchSize: 5 }));

new cdk.CfnOutput(stack, 'TopicArn', { value: topic.topicArn });
app.synth();
