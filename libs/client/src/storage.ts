/** Key-value storage for what must survive a restart (the last key); `localStorage` fits as it is. */
export interface PushStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
}

/** Storage that lives as long as the process or page: resume works across reconnects, not restarts. */
export function memoryStorage(): PushStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
  };
}

/** Storage key of a user queue's last key; named by the queue URL, not the token, since storage keys are often visible. */
export function lastKeyStorageKey(userQueueUrl: string): string {
  return `push-client:last-key:${userQueueUrl}`;
}
