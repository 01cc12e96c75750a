#!/usr/bin/env node
import { main } from '../dist/src/cli/report.js';

await main();
