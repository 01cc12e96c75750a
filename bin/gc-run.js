#!/usr/bin/env node
import { main } from '../dist/src/cli/gc-run.js';

await main();
