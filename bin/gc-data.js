#!/usr/bin/env node
import { dataCommand } from '../dist/src/cli/data.js';
import { runCommand } from '../dist/src/cli/exit.js';

await runCommand('gc-data', () => dataCommand(process.argv.slice(2)));
