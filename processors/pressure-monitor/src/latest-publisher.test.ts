import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { LatestPublisher, type Outgoing } from "./latest-publisher.ts";

const item = (topic: string, body: string, reason = "heartbeat"): Outgoing => ({
  topic,
  key: "k",
  reason,
  encode: async () => Buffer.from(body),
});

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe("LatestPublisher", () => {
  it("sends in order and keeps only the newest waiting event per slot while a send is in flight", async () => {
    const sent: string[] = [];
    const first = gate();
    let calls = 0;
    const p = new LatestPublisher({
      async send(topic, _key, value) {
        if (calls++ === 0) await first.opened;
        sent.push(`${topic}:${value?.toString()}`);
      },
      onError: () => {},
    });
    p.offer("pressure", item("p", "1"));
    await sleep(1);
    p.offer("pressure", item("p", "2"));
    p.offer("trend", item("t", "a"));
    p.offer("pressure", item("p", "3"));
    expect(p.waiting).toBe(2);
    first.open();
    expect(await p.flush(1000)).toBe(true);
    expect(sent).toEqual(["p:1", "t:a", "p:3"]);
  });

  it("lets a merge keep what the replaced event said", async () => {
    const reasons: string[] = [];
    const first = gate();
    const p = new LatestPublisher({
      async send() {
        await first.opened;
      },
      onSent: (i) => reasons.push(i.reason),
      onError: () => {},
    });
    const keep = (waiting: Outgoing, next: Outgoing) => (waiting.reason === "level-change" ? { ...next, reason: "level-change" } : next);
    p.offer("pressure", item("p", "0"));
    await sleep(1);
    p.offer("pressure", item("p", "1", "level-change"), keep);
    p.offer("pressure", item("p", "2"), keep);
    first.open();
    await p.flush(1000);
    expect(reasons).toEqual(["heartbeat", "level-change"]);
  });

  it("reports a failed send and carries on with the next", async () => {
    const errors: string[] = [];
    const sent: string[] = [];
    const p = new LatestPublisher({
      async send(_t, _k, value) {
        if (value?.toString() === "bad") throw new Error("broker said no");
        sent.push(value!.toString());
      },
      onError: (err) => errors.push((err as Error).message),
    });
    p.offer("a", item("p", "bad"));
    await p.flush(1000);
    p.offer("a", item("p", "good"));
    await p.flush(1000);
    expect(errors).toEqual(["broker said no"]);
    expect(sent).toEqual(["good"]);
  });

  it("gives up flushing after the timeout when the broker never answers", async () => {
    const p = new LatestPublisher({ send: () => new Promise(() => {}), onError: () => {} });
    p.offer("a", item("p", "x"));
    expect(await p.flush(10)).toBe(false);
  });

  it("sends tombstones", async () => {
    const values: (Buffer | null)[] = [];
    const p = new LatestPublisher({
      async send(_t, _k, value) {
        values.push(value);
      },
      onError: () => {},
    });
    p.offer("a", { topic: "p", key: "k", reason: "withdrawn", encode: async () => null });
    await p.flush(1000);
    expect(values).toEqual([null]);
  });
});
