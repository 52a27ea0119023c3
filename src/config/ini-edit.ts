/**
 * Setting keys in an INI file's text without touching anything else (pure):
 * comments, blank lines, other sections and keys, their order and spelling
 * stay as they are. A key that exists (its name compared without regard to
 * case, as ConfigParser does) gets its line replaced, continuation lines
 * included; a missing key goes after the last line of its section; a missing
 * section goes at the end. `--set-default` of `setup` writes with it.
 */

export interface IniSetting {
  section: string;
  key: string;
  value: string;
}

const SECTION_RE = /^\[(?<name>.+)\]/;

interface Section {
  /** Index of the header line; -1 for none. */
  header: number;
  /** Index after the section's last non-blank line. */
  end: number;
}

function findSection(lines: readonly string[], name: string): Section | undefined {
  const header = lines.findIndex((line) => SECTION_RE.exec(line)?.groups?.name === name);
  if (header < 0) return undefined;
  let end = header + 1;
  for (let at = header + 1; at < lines.length && !SECTION_RE.test(lines[at] ?? ""); at++) {
    if ((lines[at] ?? "").trim() !== "") end = at + 1;
  }
  return { header, end };
}

function keyOf(line: string): string | undefined {
  if (/^\s/.test(line) || /^[#;]/.test(line)) return undefined;
  return /^(?<key>.*?)\s*[=:]/.exec(line)?.groups?.key?.toLowerCase();
}

function setOne(lines: string[], setting: IniSetting): void {
  const entry = `${setting.key} = ${setting.value}`;
  const section = findSection(lines, setting.section);
  if (section === undefined) {
    if (lines.length > 0 && lines.at(-1)?.trim() !== "") lines.push("");
    lines.push(`[${setting.section}]`, entry);
    return;
  }
  for (let at = section.header + 1; at < section.end; at++) {
    if (keyOf(lines[at] ?? "") !== setting.key.toLowerCase()) continue;
    let continued = at + 1;
    while (continued < section.end && /^\s+\S/.test(lines[continued] ?? "")) continued++;
    lines.splice(at, continued - at, entry);
    return;
  }
  lines.splice(section.end, 0, entry);
}

/** The text with each setting set, in order. */
export function setIniValues(text: string, settings: readonly IniSetting[]): string {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
  for (const setting of settings) setOne(lines, setting);
  return lines.join(newline) + newline;
}
