#!/usr/bin/env node
// ggwave-cli.js runs warble's ggwave peer, internal/peers/ggwave/ggwave-cli.js
// (its usage and output are documented there), with the ggwave package this
// directory's package-lock.json pins, installed here by `npm ci` (the sweep,
// go run ./benchmarks/sweep, runs it). There is one peer script; this
// directory is where the benchmarks install and run it.
'use strict';

const Module = require('module');
const path = require('path');

// NODE_PATH is read at start-up; re-reading it lets the peer script, which
// lives outside this package, resolve require('ggwave') to node_modules here.
process.env.NODE_PATH = [path.join(__dirname, 'node_modules'), process.env.NODE_PATH]
  .filter(Boolean)
  .join(path.delimiter);
Module._initPaths();

require(path.join(__dirname, '..', '..', 'internal', 'peers', 'ggwave', 'ggwave-cli.js'));
