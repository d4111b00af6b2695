exports.handler = async () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 200));
