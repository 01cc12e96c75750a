#!/usr/bin/env node
import { main } from '../dist/src/cli/measure.js';

await main();
