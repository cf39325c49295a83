import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PushStorage } from './storage.js';

function readAll(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return {};
    throw err;
  }
  const value = JSON.parse(text) as unknown;
  return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
}

/**
 * Storage in one JSON file (Node only), for command-line clients and services that must resume after a
 * restart. Each write replaces the file through a rename, so a crash leaves the old or the new content.
 */
export function fileStorage(path: string): PushStorage {
  if (typeof path !== 'string' || path === '') throw new TypeError('fileStorage: path is required');
  return {
    getItem: (key) => readAll(path)[key] ?? null,
    setItem: (key, value) => {
      const all = readAll(path);
      all[key] = value;
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all));
      renameSync(tmp, path);
    },
  };
}
