#!/usr/bin/env node
// The CLI lives in dist/cli/main.js; this shim only forwards the exit code it computes.
import module from 'node:module';

// Start-up is most of a one-off command. Node >= 22.1 can keep the compiled code of the modules
// imported below on disk between runs; older Node lacks the call, and NODE_DISABLE_COMPILE_CACHE=1
// turns it off. (Hence the dynamic import: a static one would load everything before this line.)
module.enableCompileCache?.();

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
