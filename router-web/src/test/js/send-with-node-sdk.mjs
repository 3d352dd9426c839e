// Sends events with @amplitude/analytics-node, unmodified, for Event Router's
// end-to-end tests (see NodeSdk.java).
//
// Reads one JSON request from standard input:
//   { serverUrl, apiKey, userId, deviceId, eventTypes: [...], userProperties: {...}, initOptions: {...} }
// tracks each event type, sends one identify that sets userProperties with $set, flushes,
// and writes { "results": [{ eventType, code, message }, ...] } to standard output.
// The SDK's log and any error go to standard error. The exit status is 1 on error.

import amplitudeNode from '@amplitude/analytics-node';

// Standard output carries only the JSON result, so the SDK logs to standard error. The
// SDK calls enable() with the configured LogLevel (None 0, Error 1, Warn 2, Verbose 3,
// Debug 4) and leaves level filtering to the logger.
const stderrLogger = {
  level: 0,
  disable() { this.level = 0; },
  enable(level) { this.level = level; },
  error(...args) { this.write(1, 'error', args); },
  warn(...args) { this.write(2, 'warn', args); },
  log(...args) { this.write(3, 'log', args); },
  debug(...args) { this.write(4, 'debug', args); },
  write(level, label, args) {
    if (level <= this.level) {
      process.stderr.write(`[analytics-node ${label}] ${args.map(String).join(' ')}\n`);
    }
  },
};

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function trackAndIdentify(request) {
  const client = amplitudeNode.createInstance();
  await client.init(request.apiKey, {
    serverUrl: request.serverUrl,
    loggerProvider: stderrLogger,
    logLevel: amplitudeNode.Types.LogLevel.Warn,
    ...request.initOptions,
  }).promise;

  const eventOptions = { user_id: request.userId, device_id: request.deviceId };
  const pending = request.eventTypes.map(
    (eventType, index) => client.track(eventType, { harness_index: index }, eventOptions).promise);
  const identify = new amplitudeNode.Identify();
  for (const [name, value] of Object.entries(request.userProperties ?? {})) {
    identify.set(name, value);
  }
  pending.push(client.identify(identify, eventOptions).promise);
  client.flush();

  const results = await Promise.all(pending);
  return {
    results: results.map((result) => ({
      eventType: result.event.event_type,
      code: result.code,
      message: result.message,
    })),
  };
}

try {
  const request = JSON.parse(await readStdin());
  const output = await trackAndIdentify(request);
  // The SDK may keep a flush timer alive, so exit once the result is written.
  process.stdout.write(`${JSON.stringify(output)}\n`, () => process.exit(0));
} catch (error) {
  process.stderr.write(`send-with-node-sdk failed: ${error?.stack ?? error}\n`);
  process.exit(1);
}
