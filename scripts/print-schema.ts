/** Writes schema/schema.graphql from the code-first schema (`npm run schema:print`). */
import { writeFileSync } from 'node:fs';
import { printSortedSchema } from '../src/schema/index.js';

const target = new URL('../schema/schema.graphql', import.meta.url);
writeFileSync(target, printSortedSchema());
console.log(`wrote ${target.pathname}`);
