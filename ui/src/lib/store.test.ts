import { describe, expect, it } from "vitest";
import type { StoreReport } from "./bindings";
import { storeName } from "./store";

function report(store: StoreReport["store"]): StoreReport {
  return { store, chosen_by: "vault", location: "/vault/secrets", key: null, key_described: null, warning: null };
}

describe("storeName", () => {
  it("names the store the vault uses", () => {
    expect(storeName(report("os"))).toBe("the keychain");
    expect(storeName(report("file"))).toBe("the encrypted-file store");
  });
  it("claims neither while the health is not known yet", () => {
    expect(storeName(null)).toBe("the vault's store");
    expect(storeName(undefined)).toBe("the vault's store");
  });
});
