"""Translation data: folders of paired (A|B) or unpaired (trainA/, trainB/) images, and offline builders."""
