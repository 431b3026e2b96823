/**
 * A separate process holding many SSE subscriptions (so the gateway's memory is measured alone).
 * Reads `{baseUrl, key, runs, perRun}` from argv[2] (JSON); prints `ready` once every stream is open,
 * then one JSON line per event received: `{"run": ..., "seq": ..., "type": ..., "latency": ms}`,
 * latency being arrival time minus the event's recorded time.
 */
interface Options {
  baseUrl: string;
  key: string;
  /** Each run and the sequence number to follow it from. */
  runs: { id: string; after: number }[];
  perRun: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]!) as Options;
  const streams: Promise<void>[] = [];
  let open = 0;
  const total = options.runs.length * options.perRun;
  for (const { id: run, after } of options.runs) {
    for (let i = 0; i < options.perRun; i++) {
      streams.push(
        (async () => {
          const response = await fetch(`${options.baseUrl}/v1/workflow-runs/${run}/events?after=${after}`, {
            headers: { accept: 'text/event-stream', 'x-api-key': options.key },
          });
          if (response.status !== 200) throw new Error(`stream of ${run} answered ${response.status}`);
          open += 1;
          if (open === total) process.stdout.write('ready\n');
          const reader = response.body!.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            buffer += decoder.decode(value, { stream: true });
            let index: number;
            while ((index = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, index);
              buffer = buffer.slice(index + 2);
              const data = frame.split('\n').find((l) => l.startsWith('data: '));
              if (!data) continue;
              const event = JSON.parse(data.slice(6)) as { seq: number; type: string; at: string };
              const latency = Date.now() - Date.parse(event.at);
              process.stdout.write(`${JSON.stringify({ run, seq: event.seq, type: event.type, latency })}\n`);
            }
          }
        })(),
      );
    }
  }
  await Promise.all(streams);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
