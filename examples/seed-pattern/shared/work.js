// The "slow work" every variant does: about one second (WORK_MS) of waiting on something.
const WORK_MS = Number(process.env.WORK_MS || 1000);

exports.slowWork = (job) =>
  new Promise((resolve) => setTimeout(() => resolve({ job, tookMs: WORK_MS }), WORK_MS));
