// Bench-only preload (never loaded by the product): a sampling heap profile
// that keeps the objects the GC already collected, so it shows what each
// function allocates per request rather than what is still alive. Sampling
// starts after ALLOC_PROFILE_DELAY_MS (the warm-up); on SIGTERM the profile and
// the number of responses finished while sampling go to ALLOC_PROFILE_OUT.
import dc from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
let responses = 0;
let sampling = false;
dc.subscribe('http.server.response.finish', () => {
  if (sampling) responses += 1;
});
await post('HeapProfiler.enable');
setTimeout(() => {
  void post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }).then(() => {
    sampling = true;
  });
}, Number(process.env.ALLOC_PROFILE_DELAY_MS ?? 3000)).unref();
process.prependListener('SIGTERM', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (!error) writeFileSync(process.env.ALLOC_PROFILE_OUT, JSON.stringify({ responses, profile: result.profile }));
  });
});
