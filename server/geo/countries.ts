// ISO 3166-1 country codes and their names (i18n-iso-countries). Browser-safe.
import countries from 'i18n-iso-countries';
import zh from 'i18n-iso-countries/langs/zh.json' with { type: 'json' };
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };

countries.registerLocale(zh);
countries.registerLocale(en);

export const isCountryCode = (alpha2: string): boolean => /^[A-Z]{2}$/.test(alpha2) && countries.isValid(alpha2);

/** Passport MRZ issuing states are ISO alpha-3, except Germany's single D. */
export const isIssuingState = (code: string): boolean => code === 'D' || (/^[A-Z]{3}$/.test(code) && countries.isValid(code));

export const countryName = (alpha2: string, lang: 'zh' | 'en' = 'zh'): string => countries.getName(alpha2, lang) ?? alpha2;
