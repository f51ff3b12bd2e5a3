import { compileText, type CompiledText } from './liquid.js';
import { FOR_EACH_PATTERN, SECTIONS, type AlertSelection, type EmbedBodySpec, type MessageSpec, type SectionName, type TemplateFileSpec } from './schema.js';
import type { TemplateSource, YamlPath } from './source.js';
import { checkVariables, type ScopeShape } from './variables.js';

export interface CompiledField {
  name: CompiledText;
  value: CompiledText;
  inline: boolean;
  /** `for_each: label in alert.label_list`: the field once per element, named `variable`. */
  forEach?: { variable: string; expression: string; checked: CompiledText };
}

export interface CompiledBody {
  title?: CompiledText;
  url?: CompiledText;
  color?: CompiledText;
  description?: CompiledText;
  fields?: CompiledField[];
  footer?: CompiledText;
  timestamp?: CompiledText;
}

export interface CompiledEmbed {
  alerts: AlertSelection;
  item?: CompiledText;
  body: CompiledBody;
  /** The embed when it lists exactly one alert: the embed's keys with `one`'s in their place. */
  one?: CompiledBody;
}

export interface CompiledMessage {
  content?: CompiledText;
  embeds: CompiledEmbed[];
}

export interface CompiledTemplate {
  name: string;
  file: string;
  description?: string;
  origin: TemplateSource;
  sections: { firing: CompiledMessage } & Partial<Record<SectionName, CompiledMessage>>;
}

/** What each kind of string may refer to. */
export interface Shapes {
  message: ScopeShape;
  embed: ScopeShape;
  item: ScopeShape;
}

const withName = (shape: ScopeShape, name: string): ScopeShape => new Map([...shape, [name, null]]);

class Compiler {
  constructor(
    private readonly origin: TemplateSource,
    private readonly shapes: Shapes,
  ) {}

  text(path: YamlPath, source: string, shape: ScopeShape): CompiledText {
    const text = compileText(this.origin, path, source);
    checkVariables(text, shape);
    return text;
  }

  optional(path: YamlPath, source: string | undefined, shape: ScopeShape): CompiledText | undefined {
    return source === undefined ? undefined : this.text(path, source, shape);
  }

  body(path: YamlPath, spec: EmbedBodySpec, shape: ScopeShape): CompiledBody {
    const body: CompiledBody = {};
    for (const key of ['title', 'url', 'color', 'description', 'footer', 'timestamp'] as const) {
      const text = this.optional([...path, key], spec[key], shape);
      if (text) body[key] = text;
    }
    if (spec.fields) {
      body.fields = spec.fields.map((field, index) => {
        const at = [...path, 'fields', index];
        const loop = field.for_each === undefined ? undefined : FOR_EACH_PATTERN.exec(field.for_each);
        let fieldShape = shape;
        let forEach: CompiledField['forEach'];
        if (loop?.[1] && loop[2]) {
          // The list expression is checked like any other use of a variable.
          const checked = this.text([...at, 'for_each'], `{{ ${loop[2]} }}`, shape);
          forEach = { variable: loop[1], expression: loop[2], checked };
          fieldShape = withName(shape, loop[1]);
        }
        return {
          name: this.text([...at, 'name'], field.name, fieldShape),
          value: this.text([...at, 'value'], field.value, fieldShape),
          inline: field.inline,
          ...(forEach ? { forEach } : {}),
        };
      });
    }
    return body;
  }

  message(path: YamlPath, spec: MessageSpec): CompiledMessage {
    return {
      content: this.optional([...path, 'content'], spec.content, this.shapes.message),
      embeds: spec.embeds.map((embed, index) => {
        const at = [...path, 'embeds', index];
        const body = this.body(at, embed, this.shapes.embed);
        const compiled: CompiledEmbed = { alerts: embed.alerts, body };
        if (embed.item !== undefined) compiled.item = this.text([...at, 'item'], embed.item, this.shapes.item);
        if (embed.one) compiled.one = { ...body, ...this.body([...at, 'one'], embed.one, this.shapes.item) };
        return compiled;
      }),
    };
  }

  /** Every alert a section can be given must have an embed that lists it: none is dropped silently. */
  coverage(section: SectionName, spec: MessageSpec): void {
    const lists = new Set(spec.embeds.map((embed) => embed.alerts));
    const needed: Array<'firing' | 'resolved'> = section === 'resolved' ? ['resolved'] : ['firing', 'resolved'];
    for (const status of needed) {
      if (!lists.has(status) && !lists.has('all')) {
        throw this.origin.error(
          [section, 'embeds'],
          `no embed lists the ${status} alerts this section is given; add one with \`alerts: ${status}\` or use \`alerts: all\``,
        );
      }
    }
  }
}

export function compileTemplate(name: string, origin: TemplateSource, spec: TemplateFileSpec, shapes: Shapes): CompiledTemplate {
  const compiler = new Compiler(origin, shapes);
  const sections: CompiledTemplate['sections'] = { firing: compiler.message(['firing'], spec.firing) };
  for (const section of SECTIONS) {
    const message = spec[section];
    if (!message) continue;
    compiler.coverage(section, message);
    sections[section] = section === 'firing' ? sections.firing : compiler.message([section], message);
  }
  return { name, file: origin.file, ...(spec.description ? { description: spec.description } : {}), origin, sections };
}
