import { paramsBlock } from '@ethereumjs/block'
import { Common, type CommonOpts } from '@ethereumjs/common'
import { paramsTx } from '@ethereumjs/tx'

type Params = Parameters<Common['updateParams']>[0]

/**
 * A Common fixed at one hardfork, shared by every header and transaction of that fork the codec
 * decodes.
 *
 * ethereumjs gives each header and each transaction a copy() of the Common it is handed and then
 * merges its parameter tables into the copy (updateParams: a JSON round trip per EIP and a rebuild
 * of the parameter cache). Re-executing stored blocks spent about 13% of its time there. Nothing
 * in ethereumjs changes a header's or a transaction's Common after construction (runTx aligns a
 * transaction's fork with its block's, here the same object), so one instance can serve them all:
 * copy() returns the instance itself, updateParams() merges only tables it has not merged yet (the
 * block and transaction tables are merged up front), and moving it to another hardfork or adding
 * EIPs throws rather than change every block that shares it.
 */
export class ForkCommon extends Common {
  private sealed = false
  private readonly merged = new WeakSet<Params>()

  constructor(opts: CommonOpts & { hardfork: string }) {
    super(opts)
    this.updateParams(paramsBlock)
    this.updateParams(paramsTx)
    this.sealed = true
  }

  override copy(): this {
    return this
  }

  override updateParams(params: Params): void {
    if (this.merged.has(params)) return
    this.merged.add(params)
    super.updateParams(params)
  }

  override setHardfork(hardfork: string): void {
    if (this.sealed && hardfork !== this.hardfork()) {
      throw new Error(`a shared ${this.hardfork()} Common cannot be moved to ${hardfork}`)
    }
    super.setHardfork(hardfork)
  }

  override setEIPs(eips?: number[]): void {
    if (this.sealed) throw new Error('a shared Common cannot activate other EIPs')
    super.setEIPs(eips)
  }
}
