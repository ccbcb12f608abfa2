// The BullMQ side of the hotline queue benchmark: the same enqueue / process / acknowledge on the same Redis.
// Usage: node bench/node/bullmq-bench.mjs <redisPort> <jobs> <concurrency> <pacedJobs> <pacedRate>
// Prints one JSON line: {"enqueuePerSecond","processedPerSecond","pacedP50Ms","pacedP99Ms"}.
import { Queue, Worker } from 'bullmq';

const [port, jobs, concurrency, paced, rate] = process.argv.slice(2).map(Number);
const connection = { host: '127.0.0.1', port };
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function throughput() {
  const queue = new Queue('hotline-throughput', { connection });
  await queue.obliterate({ force: true }).catch(() => {});
  const started = performance.now();
  for (let i = 0; i < jobs; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(jobs, i + 100); j++) {
      batch.push(queue.add('conversation', { id: j, language: 'uk', band: j % 10 === 0 ? 0 : 2 }, { removeOnComplete: true, removeOnFail: true }));
    }
    await Promise.all(batch);
  }
  const enqueueSeconds = (performance.now() - started) / 1000;
  let done = 0;
  const finished = new Promise((resolve) => {
    const workerStart = performance.now();
    const worker = new Worker('hotline-throughput', async () => {}, { connection, concurrency });
    worker.on('completed', () => {
      done += 1;
      if (done === jobs) resolve({ worker, seconds: (performance.now() - workerStart) / 1000 });
    });
  });
  const { worker, seconds } = await finished;
  await worker.close();
  await queue.close();
  return { enqueuePerSecond: jobs / enqueueSeconds, processedPerSecond: jobs / seconds };
}

async function latency() {
  const queue = new Queue('hotline-latency', { connection });
  await queue.obliterate({ force: true }).catch(() => {});
  const latencies = [];
  const worker = new Worker('hotline-latency', async (job) => { latencies.push(performance.now() - job.data.t); }, { connection, concurrency });
  await worker.waitUntilReady();
  for (let i = 0; i < paced; i++) {
    await queue.add('conversation', { id: i, t: performance.now() }, { removeOnComplete: true });
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  while (latencies.length < paced) await new Promise((resolve) => setTimeout(resolve, 20));
  await worker.close();
  await queue.close();
  return { pacedP50Ms: percentile(latencies, 50), pacedP99Ms: percentile(latencies, 99) };
}

const result = { ...(await throughput()), ...(await latency()) };
console.log(JSON.stringify(result));
process.exit(0);
