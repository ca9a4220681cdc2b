// The GUIDs a full read returned, for the missing-user check (mark-gone.ts): at a million
// users a Set of their strings held about 100 MB of the worker's heap for the whole read.
// Here each GUID is kept as a 53-bit hash in a Float64Array with open addressing (16 bytes
// an entry at most, no object per entry). Two GUIDs with one hash make the set answer "yes"
// for a GUID it was not given, about one chance in 10^10 per GUID asked at a million: in
// the missing-user check, a gone user is then kept (never one taken for gone); in the
// rescope (read-users.ts), a user new to the scope is left to the next full read.
import { stringHash53 } from "../ldap/fingerprint.ts";

export interface TGuidLookup {
  has(guid: string): boolean;
}

export class GuidSet implements TGuidLookup {
  private slots = new Float64Array(1 << 16);
  private mask = (1 << 16) - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(guid: string): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    if (this.insert(stringHash53(guid))) this.count++;
  }

  has(guid: string): boolean {
    const h = stringHash53(guid);
    for (let i = slotOf(h, this.mask); ; i = (i + 1) & this.mask) {
      const v = this.slots[i]!;
      if (v === 0) return false;
      if (v === h) return true;
    }
  }

  private insert(h: number): boolean {
    for (let i = slotOf(h, this.mask); ; i = (i + 1) & this.mask) {
      const v = this.slots[i]!;
      if (v === h) return false;
      if (v === 0) {
        this.slots[i] = h;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const v of old) if (v !== 0) this.insert(v);
  }
}

function slotOf(h: number, mask: number): number {
  // the low lane's bits spread the slots; the high ones are the FNV lane's
  return (h % 0x100000000 ^ (h / 0x100000000)) & mask;
}
