import { createAnvilCompat } from './anvil-compat.js'
import type { CompatMode, CompatModeName } from './compat.js'

export const COMPAT_MODE_NAMES: readonly CompatModeName[] = ['anvil']

/** The compatibility mode of that name, or null for canonical execution. */
export function createCompatMode(name: CompatModeName | null): CompatMode | null {
  switch (name) {
    case null:
      return null
    case 'anvil':
      return createAnvilCompat()
  }
}
