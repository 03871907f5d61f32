// Preloaded into the local chain node (node --require): exits when the process that started it is gone,
// so a test process killed outright (SIGKILL, timeout) leaves no node behind.
const parent = Number(process.env.CONCLAVE_CHAIN_PARENT_PID);
if (parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
  }, 500).unref();
}
