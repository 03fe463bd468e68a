"""CloudFormation's stack operations as the emulator runs them on top of moto: create, delete,
update, change sets, the refusals before anything is created, dynamic references and YAML short
forms. moto_patches/cloudformation.py hooks them into moto."""
