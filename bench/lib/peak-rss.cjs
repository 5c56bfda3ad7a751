// Loaded with `node --require` by bench/run.mjs when /usr/bin/time is missing: writes this
// process's peak resident set size (KiB) to $BENCH_PEAK_RSS_FILE as it exits.
'use strict';
const file = process.env.BENCH_PEAK_RSS_FILE;
if (file) {
  process.on('exit', () => {
    require('node:fs').writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
