// Preloaded (node --require) into the local chain node and the service started by tests and the demo:
// exits when the process that started it is gone, so a parent killed outright (SIGKILL, timeout) leaves nothing behind.
const parent = Number(process.env.CONCLAVE_PARENT_PID);
if (parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
  }, 500).unref();
}
