// Strings the user sees, in zh-CN (default) and English. Each view passes its own dictionary.
const STORAGE_KEY = "lianbao.locale";
export const LOCALES = ["zh-CN", "en"];

export function currentLocale() {
  const saved = localStorage.getItem(STORAGE_KEY);
  return LOCALES.includes(saved) ? saved : "zh-CN";
}

export function setLocale(locale) {
  if (!LOCALES.includes(locale)) return;
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}

// makeT({ "zh-CN": {key: "…"}, en: {key: "…"} }) → t(key, {name: value}) with {name} placeholders.
export function makeT(dictionaries) {
  return (key, params = {}) => {
    const locale = currentLocale();
    const text = dictionaries[locale]?.[key] ?? dictionaries["zh-CN"]?.[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
  };
}
