/**
 * Reads an integer flag of a benchmark (parseArgs string values); a value below `min` or not an
 * integer ends the run with exit 2 and says which flag.
 */
export function integerFlag(bench: string, values: Record<string, unknown>, name: string, min: number): number {
  const raw = values[name] as string
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`${bench}: --${name} must be an integer >= ${min}, got ${raw}\n`)
    process.exit(2)
  }
  return n
}
