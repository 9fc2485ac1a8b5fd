import '@mantine/core/styles.css';
import './i18n/index.ts';
import { createTheme, type CSSVariablesResolver, defaultVariantColorsResolver, MantineProvider, type VariantColorsResolver } from '@mantine/core';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';

/**
 * Filled controls in a darkest shade (`teal.9`, `red.9`) would hover one shade lighter, below 4.5:1 with white
 * text: they keep their colour on hover instead (the cursor and focus ring still show the state).
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  if (input.variant === 'filled' && typeof input.color === 'string' && input.color.endsWith('.9')) return { ...colors, hover: colors.background };
  return colors;
};

/** Contrast-safe theme: darker primary shade and automatic text contrast on filled colours. */
const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 8 },
  autoContrast: true,
  variantColorResolver,
  respectReducedMotion: true,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  other: {},
});

/** Dimmed text (input descriptions, placeholders) and field error messages dark enough for WCAG AA on white. */
const cssVariablesResolver: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' }, dark: {} });

createRoot(document.getElementById('root')!).render(
  <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={cssVariablesResolver}>
    <App />
  </MantineProvider>,
);
