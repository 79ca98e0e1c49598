// A Svelte action: a message that appears far down a long form scrolls into view.
export function reveal(node: HTMLElement) {
  node.scrollIntoView?.({ block: "nearest" });
}
