// An HTTP(S) SNS subscriber for the benchmarks: confirms subscriptions (GET SubscribeURL),
// counts notifications, and answers GET /count with the number received.
//   node http_sink.mjs PORT    prints "ready" once listening
import http from 'node:http';

const port = Number(process.argv[2]);
let received = 0;
http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/count') {
      res.end(String(received));
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.end('ok');
      const type = req.headers['x-amz-sns-message-type'];
      if (type === 'SubscriptionConfirmation') {
        const { SubscribeURL } = JSON.parse(Buffer.concat(chunks).toString());
        fetch(SubscribeURL).catch((err) => console.error('confirming failed:', err.message));
      } else {
        received++;
      }
    });
  })
  .listen(port, '127.0.0.1', () => console.log('ready'));
