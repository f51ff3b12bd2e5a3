const INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * An array whose elements are made the first time anything reads them. To a template (and to
 * every array method) it is an ordinary array of `length` elements; a message that shows 30 of
 * 10,000 alerts makes the views of those 30, not of all.
 */
export function lazyList<T>(length: number, make: (index: number) => T): T[] {
  const target = new Array<T>(length);
  const made = new Uint8Array(length);
  const ensure = (key: string | symbol): void => {
    if (typeof key !== 'string' || !INDEX.test(key)) return;
    const index = Number(key);
    if (index >= length || made[index] === 1) return;
    made[index] = 1;
    target[index] = make(index);
  };
  return new Proxy(target, {
    get(list, key, receiver) {
      ensure(key);
      return Reflect.get(list, key, receiver) as unknown;
    },
    has(list, key) {
      ensure(key);
      return Reflect.has(list, key);
    },
    getOwnPropertyDescriptor(list, key) {
      ensure(key);
      return Reflect.getOwnPropertyDescriptor(list, key);
    },
    ownKeys(list) {
      for (let index = 0; index < length; index += 1) ensure(String(index));
      return Reflect.ownKeys(list);
    },
  });
}
