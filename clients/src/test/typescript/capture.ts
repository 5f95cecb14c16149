// One capture through the generated TypeScript (typescript-fetch) client: the contract holds beyond Java.
// Usage (after tsc): node capture.js INGEST_URL API_KEY USER_ID; prints the typed MemoryAccepted as JSON.
import { Configuration, MemoriesApi } from '../../../target/generated-sources/typescript-ingest';

// the little of node's API used here, declared so that no @types/node is needed
declare const process: { argv: string[]; exit(code: number): never };

async function main(): Promise<void> {
  const [basePath, apiKey, userId] = process.argv.slice(2);
  const memories = new MemoriesApi(new Configuration({ basePath, accessToken: apiKey }));
  const accepted = await memories.captureMemory({
    userId,
    idempotencyKey: `ts-${userId}`,
    captureMemoryRequest: { occurredAt: new Date('2026-11-02T10:00:00Z'), content: 'from TypeScript' },
  });
  console.log(JSON.stringify({ memoryId: accepted.memoryId, position: accepted.position }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
