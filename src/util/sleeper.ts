/**
 * A sleep that stop() can cut short: background loops (live sync, the finality tracker) wait
 * between rounds with it, and a shutdown does not have to wait out the interval.
 */
export class Sleeper {
  private wake: (() => void) | null = null

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null
        resolve()
      }, ms)
      this.wake = () => {
        clearTimeout(timer)
        this.wake = null
        resolve()
      }
    })
  }

  /** Ends the current sleep now, if any. */
  interrupt(): void {
    this.wake?.()
  }
}
