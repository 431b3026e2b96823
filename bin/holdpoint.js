#!/usr/bin/env node
'use strict';
// The `holdpoint` command: the built CLI when there is one, else the sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (existsSync(built)) {
  require(built);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
