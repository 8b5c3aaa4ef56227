/**
 * Like Promise.all for writes, but waits for every one to settle before failing: a write of a
 * failed attempt must not land after the attempt ended (its retry, or a newer change, may
 * already have moved on), which Promise.all allows by rejecting at the first failure.
 */
export async function allWrites<T>(writes: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
