#!/usr/bin/env node
// The CLI lives in dist/cli/main.js; this shim only forwards the exit code it computes.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
