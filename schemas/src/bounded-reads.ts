// Caps Avro array/map block counts by the bytes left in the message. avsc trusts the
// count, so ten hostile bytes claiming 2^30 words would spin and fill the heap.

import avro from "avsc";

// The slice of avsc 5.7 internals this module relies on: Tap and Type._read/_skip
// are not public API (bounded-reads.test.ts pins the behaviour).
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
  skipString(): void;
}

interface Codec {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

interface TypeNode {
  typeName: string;
  fields?: { type: TypeNode }[];
  size?: number;
}

// Types are frozen by avsc, so the subclasses cannot keep this on the instance.
const unbounded = new WeakMap<object, boolean>();

/**
 * avsc typeHook: builds arrays and maps as bounded subclasses. Pass it in every
 * forSchema call that reads untrusted bytes (writer and reader types alike,
 * since a resolver skips writer-only fields with the writer's _skip).
 */
export function boundedCollectionsHook(schema: unknown, opts: unknown): avro.Type | undefined {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === "array") return new BoundedArrayType(schema as avro.Schema, opts);
  if (kind === "map") return new BoundedMapType(schema as avro.Schema, opts);
  return undefined;
}

class BoundedArrayType extends avro.types.ArrayType {
  // `this` is the array type or, when reading through a resolver, the resolver:
  // avsc copies the reader's _read onto it and items become item resolvers.
  _read(this: { itemsType: Codec }, tap: Tap): unknown[] {
    const items = this.itemsType;
    const bounded = !itemsCanBeEmpty(items);
    const out: unknown[] = [];
    for (let n = blockCount(tap, bounded); n !== 0; n = blockCount(tap, bounded)) {
      for (let i = 0; i < n; i++) out.push(items._read(tap));
    }
    return out;
  }

  _skip(this: { itemsType: Codec }, tap: Tap): void {
    const items = this.itemsType;
    const bounded = !itemsCanBeEmpty(items);
    for (let n = tap.readLong(); n !== 0; n = tap.readLong()) {
      if (n < 0) {
        tap.pos += tap.readLong(); // a sized block is skipped in one step
        continue;
      }
      checkCount(n, tap, bounded);
      for (let i = 0; i < n; i++) items._skip(tap);
    }
  }
}

class BoundedMapType extends avro.types.MapType {
  _read(this: { valuesType: Codec }, tap: Tap): Record<string, unknown> {
    const values = this.valuesType;
    const out: Record<string, unknown> = {};
    for (let n = blockCount(tap, true); n !== 0; n = blockCount(tap, true)) {
      for (let i = 0; i < n; i++) {
        const key = tap.readString();
        out[key] = values._read(tap);
      }
    }
    return out;
  }

  _skip(this: { valuesType: Codec }, tap: Tap): void {
    const values = this.valuesType;
    for (let n = tap.readLong(); n !== 0; n = tap.readLong()) {
      if (n < 0) {
        tap.pos += tap.readLong();
        continue;
      }
      checkCount(n, tap, true);
      for (let i = 0; i < n; i++) {
        tap.skipString();
        values._skip(tap);
      }
    }
  }
}

function blockCount(tap: Tap, bounded: boolean): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // block byte size, not needed to read
  }
  checkCount(n, tap, bounded);
  return n;
}

// Every entry takes at least one byte, so a count above the bytes left is a lie.
function checkCount(n: number, tap: Tap, bounded: boolean): void {
  const left = tap.buf.length - tap.pos;
  if (bounded && n > left) {
    throw new Error(`collection block claims ${n} entries but only ${Math.max(left, 0)} bytes are left`);
  }
}

// Items that encode to zero bytes (null, empty records) make the byte bound
// wrong; no lingostream schema has them, so those arrays stay unbounded.
function itemsCanBeEmpty(items: Codec): boolean {
  let known = unbounded.get(items);
  if (known === undefined) {
    // Through a resolver, items are a resolver whose reader type is _readerType.
    const node = ((items as { _readerType?: TypeNode })._readerType ?? items) as unknown as TypeNode;
    known = canBeEmpty(node, new Set());
    unbounded.set(items, known);
  }
  return known;
}

function canBeEmpty(node: TypeNode, seen: Set<TypeNode>): boolean {
  if (node.typeName === "null") return true;
  if (node.typeName === "fixed") return node.size === 0;
  if (node.typeName === "record" || node.typeName === "error") {
    if (seen.has(node)) return false;
    seen.add(node);
    return (node.fields ?? []).every((f) => canBeEmpty(f.type, seen));
  }
  return false;
}
