/**
 * Applies several items in one go (`together`, one transaction) and, when that fails or there
 * is only one, each on its own (`alone`): a failure then stays with the item that caused it,
 * and the answer says, per item and in order, its result or its error.
 */
export async function applyTogetherOrAlone<T, R>(
  items: readonly T[],
  together: (items: readonly T[]) => Promise<R[]>,
  alone: (item: T) => Promise<R>,
  onFallback: (err: unknown) => void,
): Promise<Array<PromiseSettledResult<R>>> {
  if (items.length > 1) {
    try {
      return (await together(items)).map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      onFallback(err);
    }
  }
  const settled: Array<PromiseSettledResult<R>> = [];
  for (const item of items) {
    try {
      settled.push({ status: 'fulfilled', value: await alone(item) });
    } catch (reason) {
      settled.push({ status: 'rejected', reason });
    }
  }
  return settled;
}
