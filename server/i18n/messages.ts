// One way to speak two languages (STYLE.md #12): a message is a code with parameters, rendered in zh-CN or
// English from one catalogue. Each capability contributes its own entries with `defineMessages`, so no file
// holds every sentence; what is stored or sent keeps the code and parameters, and the text is rendered here.

export type Lang = 'zh' | 'en';
export type MessageParams = Record<string, string | number>;
/** `{name}` in a template is replaced by that parameter. */
export type Template = { en: string; zh: string };

const catalogue = new Map<string, Template>();

/** Adds a capability's messages. A code defined twice with other text is a programming error. */
export function defineMessages<const T extends Record<string, Template>>(entries: T): { [K in keyof T]: K } {
  const codes = {} as { [K in keyof T]: K };
  for (const [code, template] of Object.entries(entries)) {
    const known = catalogue.get(code);
    if (known && (known.en !== template.en || known.zh !== template.zh)) throw new Error(`message ${code} defined twice`);
    catalogue.set(code, template);
    (codes as Record<string, string>)[code] = code;
  }
  return codes;
}

export function hasMessage(code: string): boolean {
  return catalogue.has(code);
}

export function render(code: string, params: MessageParams = {}, lang: Lang = 'en'): string {
  const template = catalogue.get(code);
  if (!template) throw new Error(`no message for ${code}`);
  return template[lang].replace(/\{(\w+)\}/g, (_m, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

/** The shape clients already read: `message` in English, `messageZh` in Chinese. */
export function bilingual(code: string, params: MessageParams = {}): { message: string; messageZh: string } {
  return { message: render(code, params, 'en'), messageZh: render(code, params, 'zh') };
}

/** Every code and its templates, for a client to render stored codes (and for the test that all have both). */
export function catalogueEntries(): [string, Template][] {
  return [...catalogue.entries()];
}
