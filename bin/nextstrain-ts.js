#!/usr/bin/env node
// Command-line entry point: everything lives in dist/main.js (built from src/main.ts).
import { runFromProcess } from "../dist/main.js";

runFromProcess();
