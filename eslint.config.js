// Lint rules that the compiler cannot enforce: type-only imports and no console in library code.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', 'src/tensor/wasm/assembly/**', 'web/dist/**'] },
  {
    files: ['**/*.ts', 'web/**/*.tsx'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  // The CLI prints through its output helper; benches and scripts are programs, not library code.
  { files: ['src/cli/output.ts', 'bench/**/*.ts', 'scripts/**', 'examples/**'], rules: { 'no-console': 'off' } },
);
