// ESLint (flat config) for the sidebar: typescript-eslint's recommended rules, the
// Jupyter rules of @jupyter/eslint-plugin, and eslint-config-prettier last so that
// formatting is prettier's job alone (`npm run lint:check` runs both).
import js from '@eslint/js';
import jupyter from '@jupyter/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...jupyter.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      // The sidebar speaks English only; it takes no ITranslator.
      'jupyter/no-untranslated-string': 'off',
      // Activation needs these at once: the sidebar is built and added to the shell, and
      // the export command registered, when the plugins activate.  The rule sizes '../api'
      // with all of package.json (for CLIENT_VERSION); a production bundle keeps only its
      // "version" field.
      'jupyter/prefer-lazy-imports': [
        'warn',
        { ignoreImports: ['./model/sidebar', './widgets/sidebar', './command', './api', '../api'] }
      ],
      // A leading underscore marks a parameter a fake or an override does not need.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }
      ]
    }
  },
  prettier
);
