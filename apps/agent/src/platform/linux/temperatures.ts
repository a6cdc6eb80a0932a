import { readFile, readdir } from 'node:fs/promises';
import type { Temperature } from '@cloudrmm/protocol';
import { run } from '../exec.js';

const readText = (file: string) =>
  readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => null,
  );
const plausible = (c: number) => Number.isFinite(c) && c > -100 && c < 300;

function sensorKind(label: string): string {
  const l = label.toLowerCase();
  if (/cpu|core|package|k10temp|coretemp|x86_pkg|tctl|tdie|soc/.test(l)) return 'cpu';
  if (/gpu|amdgpu|nouveau|radeon|edge|junction/.test(l)) return 'gpu';
  if (/nvme|drive|sata|disk/.test(l)) return 'disk';
  if (/acpi|pch|board|mainboard|systin/.test(l)) return 'board';
  return 'other';
}

/** /sys/class/thermal/thermal_zone*\/temp and /sys/class/hwmon/*\/temp*_input, in millidegrees. */
export async function sysfsTemperatures(): Promise<Temperature[]> {
  const temps: Temperature[] = [];
  const zones = await readdir('/sys/class/thermal').catch(() => [] as string[]);
  for (const zone of zones.filter((z) => z.startsWith('thermal_zone'))) {
    const raw = await readText(`/sys/class/thermal/${zone}/temp`);
    const type = (await readText(`/sys/class/thermal/${zone}/type`)) ?? zone;
    const celsius = Number(raw) / 1000;
    if (raw && plausible(celsius)) temps.push({ sensor: sensorKind(type), label: type, celsius });
  }
  const chips = await readdir('/sys/class/hwmon').catch(() => [] as string[]);
  for (const chip of chips) {
    const base = `/sys/class/hwmon/${chip}`;
    const chipName = (await readText(`${base}/name`)) ?? chip;
    const inputs = (await readdir(base).catch(() => [] as string[])).filter((f) => /^temp\d+_input$/.test(f));
    for (const input of inputs) {
      const raw = await readText(`${base}/${input}`);
      const label = (await readText(`${base}/${input.replace('_input', '_label')}`)) ?? input.replace('_input', '');
      const celsius = Number(raw) / 1000;
      if (raw && plausible(celsius))
        temps.push({ sensor: sensorKind(`${chipName} ${label}`), label: `${chipName} ${label}`.slice(0, 255), celsius });
    }
  }
  return temps;
}

/** lm-sensors' JSON output: {chip: {feature: {tempN_input: value}}}. */
export async function lmSensorsTemperatures(): Promise<Temperature[]> {
  const result = await run('sensors', ['-j'], { timeoutMs: 10_000 });
  if (!result.ok) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    return [];
  }
  const temps: Temperature[] = [];
  for (const [chip, features] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
    if (!features || typeof features !== 'object') continue;
    for (const [feature, values] of Object.entries(features as Record<string, unknown>)) {
      if (!values || typeof values !== 'object') continue;
      for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        if (/^temp\d+_input$/.test(key) && typeof value === 'number' && plausible(value)) {
          temps.push({ sensor: sensorKind(`${chip} ${feature}`), label: `${chip} ${feature}`.slice(0, 255), celsius: value });
        }
      }
    }
  }
  return temps;
}
