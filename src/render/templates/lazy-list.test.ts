import { describe, expect, it } from 'vitest';
import { lazyList } from './lazy-list.js';
import { liquid } from './liquid.js';

function counted(length: number): { list: Array<{ n: number }>; made: number[] } {
  const made: number[] = [];
  return { made, list: lazyList(length, (index) => (made.push(index), { n: index * 10 })) };
}

describe('lazyList', () => {
  it('makes an element once, the first time it is read', () => {
    const { list, made } = counted(10_000);
    expect(list).toHaveLength(10_000);
    expect(Array.isArray(list)).toBe(true);
    expect(made).toEqual([]);
    expect(list[3]).toEqual({ n: 30 });
    expect(list[3]).toBe(list[3]);
    expect(list[10_000]).toBeUndefined();
    expect(made).toEqual([3]);
  });

  it('is an ordinary array to array methods and JSON', () => {
    const { list } = counted(4);
    expect(list.map((element) => element.n)).toEqual([0, 10, 20, 30]);
    expect(list.slice(1, 3)).toEqual([{ n: 10 }, { n: 20 }]);
    expect([...list].reverse()[0]).toEqual({ n: 30 });
    expect(Object.keys(list)).toEqual(['0', '1', '2', '3']);
    expect(JSON.stringify(list)).toBe('[{"n":0},{"n":10},{"n":20},{"n":30}]');
  });

  it('is an ordinary array to templates, and they make only what they read', () => {
    const { list, made } = counted(1000);
    const render = (source: string): string => String(liquid.parseAndRenderSync(source, { list }));
    expect(render('{{ list.size }} {{ list.first.n }} {{ list.last.n }} {{ list[2].n }}')).toBe('1000 0 9990 20');
    expect(made.sort((a, b) => a - b)).toEqual([0, 2, 999]);
    expect(render('{% for element in list limit: 3 offset: 1 %}{{ element.n }},{% endfor %}')).toBe('10,20,30,');
    expect(render("{{ list | map: 'n' | slice: 0, 2 | join: '+' }}")).toBe('0+10');
  });
});
